import type { MonitorEvent } from '../../../../main/common/ipc.ts';
import { clockTime } from '../../data/format.ts';
import { activityWords } from './activity-words.ts';

const SHOWN = 12;

/** What the monitor saw lately, newest first. */
export function ActivityList({ events }: { events: MonitorEvent[] }) {
  const lines = events.flatMap((event) => {
    const words = activityWords(event);
    return words ? [{ at: event.at, words }] : [];
  });
  return (
    <section className="activity" aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      {lines.length === 0 ? (
        <p className="muted">Joins, authorizations and Redis checks will show here as they happen.</p>
      ) : (
        <ol className="plain-list activity-list">
          {lines.slice(0, SHOWN).map((line, i) => (
            <li key={`${line.at}-${i}`}>
              <time dateTime={new Date(line.at).toISOString()}>{clockTime(line.at)}</time> {line.words}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
