import { useId } from 'react';

/** A yes/no filter that can also be left out: "Any", "Yes" or "No", sent as '', 'true' or 'false'. */
export function FlagFilter({ label, name, value }: { label: string; name: string; value: string | null }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={value === 'true' || value === 'false' ? value : ''}>
        <option value="">Any</option>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </select>
    </div>
  );
}

/** The form's non-blank values as a query; blank ones are no filter. */
export function queryFromForm(form: HTMLFormElement): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim() !== '') query.set(name, value.trim());
  }
  return query;
}

/** "Yes"/"No" for a flag in a table cell. */
export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}
