/** Export the nodes shown (after filtering): main asks where to save. */
import { useState } from 'react';
import type { ExportFormat } from '../../../../main/common/ipc.ts';
import { useAnnounce } from '../../components/Announcer.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { plural } from '../../data/format.ts';

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'json', label: 'JSON' },
  { value: 'csv', label: 'CSV' },
  { value: 'blueprint', label: 'Blueprint (YAML)' },
];

export function ExportControls({ nodeIds }: { nodeIds: string[] }) {
  const [format, setFormat] = useState<ExportFormat>('json');
  const announce = useAnnounce();
  const exporter = useCall(() => g8boot().exportNodes(nodeIds, format));
  const run = async () => {
    const result = await exporter.run();
    if (result === null) announce('Export cancelled');
    else if (result) announce(`Exported ${plural(nodeIds.length, 'node')} to ${result.path}`);
  };
  return (
    <div className="export-controls">
      <label className="inline-field">
        <span>Export as</span>
        <select value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)}>
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => void run()} disabled={exporter.busy || nodeIds.length === 0}>
        {exporter.busy ? 'Exporting…' : `Export ${plural(nodeIds.length, 'node')}`}
      </button>
      {exporter.error && <ErrorNotice error={exporter.error} />}
    </div>
  );
}
