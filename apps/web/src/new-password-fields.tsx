import { Field } from './field';

interface NewPasswordFieldsProps {
  password: string;
  again: string;
  onPassword: (value: string) => void;
  onAgain: (value: string) => void;
  /** The server's messages for the new password (its policy). */
  errors?: string[] | undefined;
  /** Messages for the second field (the two differ). */
  againErrors?: string[] | undefined;
}

/** The new password, with the policy as its hint, and the same again: the change and reset pages' pair. */
export function NewPasswordFields({
  password,
  again,
  onPassword,
  onAgain,
  errors,
  againErrors,
}: NewPasswordFieldsProps) {
  return (
    <>
      <Field
        label="New password"
        name="new_password"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters, not all digits, not a common password, not like your username."
        required
        value={password}
        errors={errors}
        onChange={(event) => onPassword(event.target.value)}
      />
      <Field
        label="New password, again"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
        value={again}
        errors={againErrors}
        onChange={(event) => onAgain(event.target.value)}
      />
    </>
  );
}

/** The field error for two new passwords that differ, checked before anything is sent. */
export const PASSWORDS_DIFFER = { confirm: ['The two new passwords differ.'] };
