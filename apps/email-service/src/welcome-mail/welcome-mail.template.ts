export const WELCOME_MAIL_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
export type WelcomeMailLanguage = (typeof WELCOME_MAIL_LANGUAGES)[number];

export interface WelcomeMail {
  readonly language: WelcomeMailLanguage;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

interface Copy {
  readonly greeting: (name: string) => string;
  readonly body: string;
}

// French puts a no-break space before "!"; Spanish uses a gender-neutral welcome because we do not know the user's.
const COPY: Record<WelcomeMailLanguage, Copy> = {
  en: {
    greeting: (name) => `Welcome, ${name}!`,
    body:
      "Thanks for signing up, we're glad to have you on board. Your account is ready, so you can dive right in. " +
      'If you have any questions, just reply to this email.',
  },
  de: {
    greeting: (name) => `Willkommen, ${name}!`,
    body:
      'Schön, dass du dabei bist, und danke für deine Anmeldung. Dein Konto ist eingerichtet, du kannst also gleich loslegen. ' +
      'Wenn du Fragen hast, antworte einfach auf diese E-Mail.',
  },
  fr: {
    greeting: (name) => `Bienvenue, ${name}\u00a0!`,
    body:
      'Merci pour votre inscription, nous sommes ravis de vous compter parmi nous. Votre compte est prêt, vous pouvez commencer dès maintenant. ' +
      'Pour toute question, répondez simplement à cet e-mail.',
  },
  es: {
    greeting: (name) => `¡Te damos la bienvenida, ${name}!`,
    body:
      'Gracias por registrarte, nos alegra mucho tenerte con nosotros. Tu cuenta ya está lista, así que puedes empezar cuando quieras. ' +
      'Si tienes alguna pregunta, responde a este correo.',
  },
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** locale is a BCP 47 tag like "en", "de-CH", "fr_FR", "PT-br"; unknown or empty falls back to English. */
export function languageFor(locale: string | undefined): WelcomeMailLanguage {
  // Only the primary subtag matters: we have one text per language, not per region.
  const primary = (locale ?? '').trim().toLowerCase().replace(/_/g, '-').split('-')[0];
  return WELCOME_MAIL_LANGUAGES.find((language) => language === primary) ?? 'en';
}

export function renderWelcomeMail(input: { name: string; locale?: string }): WelcomeMail {
  const language = languageFor(input.locale);
  const copy = COPY[language];
  // The name ends up in the Subject header: a line break in it would let the user inject headers.
  const greeting = copy.greeting(singleLine(input.name));
  return {
    language,
    subject: greeting,
    text: `${greeting}\n\n${copy.body}\n`,
    html: renderHtml(language, greeting, copy.body),
  };
}

/** Collapses line breaks and control characters, so a value is safe in a mail header. */
export function singleLine(value: string): string {
  return value.replace(/[\s\p{Cc}]+/gu, ' ').trim();
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

// Mail clients strip <style> blocks and block remote content, so the document is self-contained with inline styles.
function renderHtml(language: WelcomeMailLanguage, greeting: string, body: string): string {
  const title = escapeHtml(greeting);
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body style="margin:0;padding:24px;background:#f6f7f9;font-family:Arial,Helvetica,sans-serif;color:#1f2933;">
<div style="max-width:560px;margin:0 auto;padding:32px;background:#ffffff;border-radius:8px;">
<h1 style="margin:0 0 16px;font-size:24px;">${title}</h1>
<p style="margin:0;font-size:16px;line-height:1.5;">${escapeHtml(body)}</p>
</div>
</body>
</html>
`;
}
