import { registerDecorator } from 'class-validator';

/** A class-validator rule from a function that returns what is wrong with a value, or undefined. */
export function Check(name: string, problem: (value: unknown) => string | undefined): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args) => problem(args?.value) ?? 'is invalid',
      },
    });
}
