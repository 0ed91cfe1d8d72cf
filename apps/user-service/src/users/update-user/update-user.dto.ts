import { EmailField, LocaleField, NameField } from '../user-fields';

/** Only the fields given change; a given field is validated as on create (null is not "leave it"). */
export class UpdateUserDto {
  @EmailField({ optional: true })
  email?: string;

  @NameField({ optional: true })
  name?: string;

  @LocaleField({ optional: true })
  locale?: string;
}
