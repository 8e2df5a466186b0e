import type { ReactNode } from 'react';

export interface Choice<T extends string> {
  value: T;
  /** The choice's name, in bold. */
  title: ReactNode;
  /** Shown after the name on the same line (e.g. an id, a tag). */
  detail?: ReactNode;
  /** What choosing it means, on the line below. */
  text: ReactNode;
}

/** One choice out of a few, as a list of radio buttons that each carry their explanation (the first run, Settings). */
export function ChoiceList<T extends string>({ legend, name, choices, value, onChange }: { legend: string; name: string; choices: readonly Choice<T>[]; value: T | null; onChange: (value: T) => void }) {
  return (
    <fieldset className="choice-list">
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <label key={choice.value} className={value === choice.value ? 'choice choice-selected' : 'choice'}>
          <input type="radio" name={name} value={choice.value} checked={value === choice.value} onChange={() => onChange(choice.value)} />
          <span>
            <strong>{choice.title}</strong>
            {choice.detail !== undefined && <> {choice.detail}</>}
            <span className="choice-text">{choice.text}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
