import { g8boot } from '../data/bridge.ts';
import { errorText } from '../data/error-text.ts';
import { useAnnounce } from './Announcer.tsx';
import { Icon } from './Icon.tsx';

/**
 * Copies through main's clipboard (the renderer's own clipboard API needs permissions the app does not grant).
 * `label` names what is copied, for the button's accessible name and the confirmation.
 */
export function CopyButton({ text, label, compact = false, tabIndex }: { text: string; label: string; compact?: boolean; tabIndex?: number | undefined }) {
  const announce = useAnnounce();
  const copy = async () => {
    try {
      await g8boot().copyText(text);
      announce(`Copied ${label}: ${text}`);
    } catch (error) {
      announce(`Could not copy ${label}: ${errorText(error).message}`);
    }
  };
  return (
    <button type="button" className={compact ? 'icon-button' : undefined} tabIndex={tabIndex} onClick={() => void copy()} aria-label={`Copy ${label}`} title={`Copy ${label}`}>
      {compact ? <Icon name="copy" /> : 'Copy'}
    </button>
  );
}
