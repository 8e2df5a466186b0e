import type { ErrorText } from '../data/error-text.ts';

/** A failed call, in words: what went wrong and what to do about it. */
export function ErrorNotice({ error, onRetry, retryLabel = 'Try again' }: { error: ErrorText; onRetry?: (() => void) | undefined; retryLabel?: string }) {
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">
        <span aria-hidden="true">⚠ </span>
        {error.message}
      </p>
      {error.hint && <p className="notice-hint">{error.hint}</p>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {retryLabel}
        </button>
      )}
    </div>
  );
}
