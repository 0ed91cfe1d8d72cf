import { parseEnv } from '@kafka-platform/core';
import { AUTH_CONFIG, PLATFORM_OPTIONS } from '@kafka-platform/platform';
import type { AuthConfig, PlatformOptions } from '@kafka-platform/platform';
import { z } from 'zod';

/** What the page needs to sign its viewer in: the provider (the issuer the API trusts) and its own client. */
export interface PageSignIn {
  readonly issuer: string;
  readonly clientId: string;
}

export const PAGE_SIGN_IN = Symbol('PAGE_SIGN_IN');

export const pageSignInProvider = {
  provide: PAGE_SIGN_IN,
  inject: [AUTH_CONFIG, PLATFORM_OPTIONS],
  useFactory: (auth: AuthConfig, options: PlatformOptions): PageSignIn => {
    const values = parseEnv(
      z.object({ DASHBOARD_OIDC_CLIENT_ID: z.string().trim().min(1, 'must not be empty').default('dashboard') }),
      options.env ?? process.env,
    );
    return { issuer: auth.issuer, clientId: values.DASHBOARD_OIDC_CLIENT_ID };
  },
};
