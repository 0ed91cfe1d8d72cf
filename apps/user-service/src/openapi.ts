import { ManagementServer } from '@kafka-platform/platform';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';

/** Swagger UI at /docs and the document at /docs-json, on the management port (MANAGEMENT_PORT, 9001). */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('user-service')
    .setDescription(
      'Owns users. Every change is published on the Kafka topic user-events (new_user, user_updated, user_deleted) ' +
        "through a transactional outbox. Every operation but the signup needs a bearer token from the platform's " +
        'OpenID Connect provider.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  app.get(ManagementServer).serveOpenApi(document);
  return document;
}
