import { DEFAULT_LOCALE, EmailField, LocaleField, NameField } from '../user-fields';

export class CreateUserDto {
  @EmailField()
  email!: string;

  @NameField()
  name!: string;

  @LocaleField()
  locale: string = DEFAULT_LOCALE;
}
