/**
 * What a person is told when a call fails. The preload rejects with main's serialized error (a plain object with
 * name, code, message and hint: what survives Electron's context bridge); the renderer's own form checks throw
 * InvalidInputError. The fields are read from whatever arrives.
 */
export interface ErrorText {
  message: string;
  hint: string | null;
  code: string | null;
}

export function errorText(error: unknown): ErrorText {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const { message, hint, code } = error as { message: string; hint?: unknown; code?: unknown };
    return { message, hint: typeof hint === 'string' ? hint : null, code: typeof code === 'string' ? code : null };
  }
  return { message: String(error), hint: null, code: null };
}

/** From the shape errors have inside AppState (`problem`, `lastError`). */
export function serializedErrorText(error: { message: string; hint?: string | undefined; code: string }): ErrorText {
  return { message: error.message, hint: error.hint ?? null, code: error.code };
}
