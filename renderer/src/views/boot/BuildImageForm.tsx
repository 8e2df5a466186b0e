/**
 * Build a boot image: the network id, and either the boot URLs iPXE tries in order (each shown with where it
 * works) or a kernel it boots directly. The boot URLs start as the defaults main computes (a VM on this
 * computer, then this computer's LAN addresses); a URL only this computer can reach is refused inline. LAN
 * addresses need the boot service open to the LAN, which the form offers after saying what that exposes.
 * Main asks where to save, then builds; `build-progress` events drive the progress bar.
 */
import { useEffect, useState } from 'react';
import { DEFAULT_BOOT_SERVICE_PORT, parseBootUrl, parseNodeKernelUrl, portOf, reachOf, urlHost, type BootTarget, type KnownAddress } from '../../../../main/common/boot-url.ts';
import type { BootServiceView, BuildImageRequest, BuildImageResult, VmView } from '../../../../main/common/ipc.ts';
import { parseBootNetworkId, parseHttpUrl } from '../../../../main/common/validate.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { errorText, type ErrorText } from '../../data/error-text.ts';
import { bytes } from '../../data/format.ts';
import { WriteStickDialog } from './WriteStickDialog.tsx';
import type { AppState } from '../../../../main/common/ipc.ts';

interface BuildImageFormProps {
  netid: string;
  onNetidChange: (netid: string) => void;
  service: BootServiceView;
  platform: AppState['platform'];
}

type Source = 'url' | 'kernel';

/** The request, or what is wrong with the form (checked here first, so mistakes show before the save dialog). */
function toRequest(netid: string, source: Source, bootUrls: string, kernelUrl: string, kernelArgs: string, kind: BuildImageRequest['kind'], lanAddresses: string[]): BuildImageRequest | ErrorText {
  try {
    // The one network-id parser (0 = no ZeroTier, as the core accepts); the parsed id is what is sent.
    const id = parseBootNetworkId(netid) ?? '0';
    if (source === 'url') {
      const lines = bootUrlLines(bootUrls);
      const many = lines.length > 1;
      return { netid: id, bootUrls: lines.map((line, i) => parseBootUrl(line, { what: many ? `boot URL #${i + 1}` : 'boot URL', lanAddresses, face: 'app' })), kind };
    }
    return { netid: id, kernelUrl: parseNodeKernelUrl(kernelUrl.trim(), { lanAddresses, face: 'app' }), kernelArgs: kernelArgs.trim() || undefined, kind };
  } catch (error) {
    return errorText(error);
  }
}

const bootUrlLines = (text: string) => text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);

/** Where each boot URL line works, knowing this computer's own addresses (from the defaults). */
function placesOf(text: string, defaults: readonly BootTarget[]): { line: string; where: string; reach: BootTarget['reach'] | 'invalid' }[] {
  const known: KnownAddress[] = defaults.map((t) => ({ address: urlHost(t.url), place: { reach: t.reach, where: t.where } }));
  return bootUrlLines(text).map((line) => {
    try {
      return { line, ...reachOf(parseHttpUrl(line, 'boot URL'), known) };
    } catch {
      return { line, where: 'not a valid URL', reach: 'invalid' as const };
    }
  });
}

export function BuildImageForm({ netid, onNetidChange, service, platform }: BuildImageFormProps) {
  const defaults = service.defaultBootUrls;
  const defaultText = defaults.map((t) => t.url).join('\n');
  const lanAddresses = defaults.filter((t) => t.reach === 'lan').map((t) => urlHost(t.url));
  const [source, setSource] = useState<Source>('url');
  const [bootUrls, setBootUrls] = useState(defaultText);
  const [askLan, setAskLan] = useState(false);
  const openLan = useCall(async () => {
    const port = defaults[0] ? portOf(defaults[0].url) : DEFAULT_BOOT_SERVICE_PORT;
    await g8boot().updateSettings({ bootServiceListen: `0.0.0.0:${port}` });
    setAskLan(false);
  });
  const [kernelUrl, setKernelUrl] = useState('');
  const [kernelArgs, setKernelArgs] = useState('');
  const [kind, setKind] = useState<BuildImageRequest['kind']>('hybrid');
  const [invalid, setInvalid] = useState<ErrorText | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<(BuildImageResult & { kind: BuildImageRequest['kind'] }) | 'cancelled' | null>(null);
  // Boot the saved image in a test VM here (the app boots only images it built; its boot service is turned on).
  const bootVm = useCall(async (image: string) => {
    const hypervisor = (await g8boot().listHypervisors()).find((h) => h.available);
    if (!hypervisor) throw Object.assign(new Error('No hypervisor is installed and usable on this computer.'), { hint: 'Test VMs shows what was found and why each cannot run.' });
    return g8boot().startVm({ hypervisor: hypervisor.hypervisor, image });
  });
  const [bootedVm, setBootedVm] = useState<VmView | null>(null);
  const build = useCall((request: BuildImageRequest) => g8boot().buildImage(request));
  const [stickRequest, setStickRequest] = useState<Omit<BuildImageRequest, 'kind'> | null>(null);

  useEffect(() => g8boot().on('build-progress', setProgress), []);
  // The defaults may arrive after the form was shown: offer them unless the person typed others.
  useEffect(() => setBootUrls((current) => current || defaultText), [defaultText]);

  const places = placesOf(bootUrls, defaults);
  const wantsLan = places.some((p) => p.reach === 'lan');

  /** The form as a request of this kind, or null with what is wrong shown (before any dialog opens). */
  const checkedRequest = (requestKind: BuildImageRequest['kind']): BuildImageRequest | null => {
    const request = toRequest(netid, source, bootUrls, kernelUrl, kernelArgs, requestKind, lanAddresses);
    if (!('netid' in request)) {
      setInvalid(request);
      return null;
    }
    setInvalid(null);
    return request;
  };

  const submit = async () => {
    const request = checkedRequest(kind);
    if (!request) return;
    setResult(null);
    setProgress(null);
    setBootedVm(null);
    bootVm.clearError();
    const built = await build.run(request);
    if (built === null) setResult('cancelled');
    else if (built) setResult({ ...built, kind: request.kind });
  };

  /** Write to USB stick…: the same request (a hybrid image), checked like Build and save. */
  const openWriteStick = () => {
    const request = checkedRequest('hybrid');
    if (!request) return;
    const { kind: _kind, ...rest } = request;
    setStickRequest(rest);
  };

  return (
    <form
      className="build-form"
      aria-labelledby="build-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="build-title">Build a boot image</h2>
      <label className="field">
        <span>ZeroTier network id</span>
        <input value={netid} onChange={(event) => onNetidChange(event.target.value)} className="mono" spellCheck={false} maxLength={16} placeholder="16 hex digits" />
      </label>
      <fieldset className="choice-row">
        <legend>What iPXE boots</legend>
        <label>
          <input type="radio" name="source" checked={source === 'url'} onChange={() => setSource('url')} /> Chain to a boot URL (the boot service)
        </label>
        <label>
          <input type="radio" name="source" checked={source === 'kernel'} onChange={() => setSource('kernel')} /> A kernel, directly
        </label>
      </fieldset>
      {source === 'url' ? (
        <>
          <label className="field">
            <span>Boot URLs, tried in order (one per line)</span>
            <textarea
              value={bootUrls}
              onChange={(event) => setBootUrls(event.target.value)}
              rows={Math.max(2, Math.min(6, bootUrlLines(bootUrls).length + 1))}
              className="mono"
              placeholder="http://10.0.2.2:8088"
              spellCheck={false}
            />
          </label>
          <ul className="boot-url-places" aria-label="Where each boot URL works">
            {places.map((p, i) => (
              <li key={`${i}-${p.line}`} className={p.reach === 'this-computer' || p.reach === 'invalid' ? 'place-bad' : undefined}>
                <span className="mono">{p.line}</span> — {p.reach === 'this-computer' ? 'only this computer: a booting machine would ask itself. Use 10.0.2.2 for a VM here, a LAN address for LAN machines.' : p.where}
              </li>
            ))}
          </ul>
          {wantsLan && !service.openToLan && !askLan && (
            <p className="field-help">
              LAN machines reach the boot service only once it listens on your LAN (it listens on {service.listen || 'this computer only'} now).{' '}
              <button type="button" onClick={() => setAskLan(true)}>
                Open the boot service to the LAN…
              </button>
            </p>
          )}
          {askLan && (
            <div className="notice notice-warn" role="alertdialog" aria-labelledby="lan-consent-title">
              <p className="notice-title" id="lan-consent-title">
                Open the boot service to your LAN?
              </p>
              <p>
                It will listen on all of this computer's addresses. Anyone who can reach this computer on the network can then download boot images
                and iPXE scripts for any network id, the kernels in g8boot's kernel cache, and see the service's status page with its recent boot
                requests. It serves files read-only; no tokens or node data are served. You can close it again in Settings.
              </p>
              <div className="button-row">
                <button type="button" className="primary" disabled={openLan.busy} onClick={() => void openLan.run()}>
                  Open to the LAN
                </button>
                <button type="button" onClick={() => setAskLan(false)}>
                  Keep it on this computer
                </button>
              </div>
              {openLan.error && <ErrorNotice error={openLan.error} />}
            </div>
          )}
        </>
      ) : (
        <>
          <label className="field">
            <span>Kernel URL</span>
            <input type="url" value={kernelUrl} onChange={(event) => setKernelUrl(event.target.value)} placeholder="https://…/g8os.efi" spellCheck={false} />
          </label>
          <label className="field">
            <span>Extra kernel arguments (optional)</span>
            <input value={kernelArgs} onChange={(event) => setKernelArgs(event.target.value)} placeholder="development console=ttyS0,115200n8" spellCheck={false} />
          </label>
        </>
      )}
      <fieldset className="choice-row">
        <legend>Image</legend>
        <label>
          <input type="radio" name="kind" checked={kind === 'hybrid'} onChange={() => setKind('hybrid')} /> ISO that also works on a USB stick
        </label>
        <label>
          <input type="radio" name="kind" checked={kind === 'esp'} onChange={() => setKind('esp')} /> EFI System Partition only
        </label>
      </fieldset>
      {invalid && <ErrorNotice error={invalid} />}
      {build.error && <ErrorNotice error={build.error} />}
      <div className="button-row">
        <button type="submit" className="primary" disabled={build.busy}>
          {build.busy ? 'Building…' : 'Build and save…'}
        </button>
        <button type="button" onClick={openWriteStick} disabled={build.busy}>
          Write to USB stick…
        </button>
        {build.busy && progress && (
          <label className="inline-field">
            <span className="visually-hidden">Build progress</span>
            <progress max={progress.total} value={progress.done} />
            <span>{Math.round((100 * progress.done) / Math.max(1, progress.total))} %</span>
          </label>
        )}
      </div>
      {result === 'cancelled' && <p role="status">Cancelled: nothing was saved.</p>}
      {result && result !== 'cancelled' && (
        <div className="notice notice-ok" role="status">
          <p className="notice-title">
            Saved <span className="mono">{result.path}</span> ({bytes(result.bytes)})
          </p>
          <p className="mono small-text">sha256 {result.sha256}</p>
          {result.kind === 'hybrid' && (
            <div className="button-row">
              <button
                type="button"
                disabled={bootVm.busy}
                onClick={async () => {
                  const vm = await bootVm.run(result.path);
                  if (vm) setBootedVm(vm);
                }}
              >
                {bootVm.busy ? 'Starting…' : 'Boot it in a test VM'}
              </button>
            </div>
          )}
          {bootedVm && (
            <p>
              Started <span className="mono">{bootedVm.name}</span> on {bootedVm.hypervisor}: its console is in Test VMs.
              {bootedVm.warnings.map((warning) => ` ${warning}`).join('')}
            </p>
          )}
          {bootVm.error && <ErrorNotice error={bootVm.error} />}
        </div>
      )}
      {stickRequest && <WriteStickDialog request={stickRequest} platform={platform} onClose={() => setStickRequest(null)} />}
    </form>
  );
}
