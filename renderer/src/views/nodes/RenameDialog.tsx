/** A modal form to rename a node (the native <dialog>: focus stays inside, Escape cancels). */
import { useEffect, useRef, useState } from 'react';
import type { NodeRecord } from '../../../../main/common/ipc.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';

export function RenameDialog({ node, onClose }: { node: NodeRecord; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState(node.name);
  const rename = useCall((newName: string) => g8boot().renameNode(node.nodeId, newName));

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const save = async () => {
    const renamed = await rename.run(name.trim());
    if (renamed) onClose();
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="rename-title" onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <h2 id="rename-title">Rename node {node.nodeId}</h2>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(event) => setName(event.target.value)} maxLength={200} required autoFocus />
        </label>
        {rename.error && <ErrorNotice error={rename.error} />}
        <div className="button-row">
          <button type="submit" className="primary" disabled={rename.busy || name.trim() === ''}>
            {rename.busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
