import { ICONS, type StatusWords } from './node-status.ts';

/** Icon, colour and words together: the words carry the meaning, the rest only helps scanning. */
export function StatusLabel({ status }: { status: StatusWords }) {
  return (
    <span className={`status status-${status.tone}`} title={status.detail}>
      <span className="status-icon" aria-hidden="true">
        {ICONS[status.tone]}
      </span>
      {status.label}
    </span>
  );
}
