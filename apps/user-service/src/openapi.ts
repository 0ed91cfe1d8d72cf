import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';

/** Swagger UI at /docs and the document at /docs-json; the UI's assets come from swagger-ui-dist, not a CDN. */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('user-service')
    .setDescription(
      'Owns users. Every change is published on the Kafka topic user-events (new_user, user_updated, user_deleted) ' +
        'through a transactional outbox.',
    )
    .setVersion('1')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json` });
  return document;
}
