/**
 * A store file damaged while the program runs (by another process, or a person) must not fail every access: conf
 * and electron-store (conf underneath) then throw on each call (SyntaxError, EISDIR, a stack overflow writing back
 * absurdly deep JSON, TypeError setting below a value of the wrong shape) or, reading below a value of the wrong
 * shape, answer undefined without a word. One wrapper for both faces (the CLI's conf store, the app's
 * electron-stores): the file is set aside once, with a message, and the store carries on empty.
 * Both libraries read the file on every access, so the next call after setting it aside starts empty.
 */
import type { KeyValueStore } from './key-value-store.ts';
import { setAside, setAsideIfCorrupt, wrongShapeOnTheWayTo } from './corrupt-file.ts';

type BaseStore = Omit<KeyValueStore, 'update'>;

export function recoveringStore(base: BaseStore, log: (line: string) => void): BaseStore {
  const { path } = base;
  const wrongShape = (key: string): string | null => wrongShapeOnTheWayTo(key, (prefix) => base.get(prefix));
  const recovering = <T>(key: string, operation: () => T): T => {
    try {
      return operation();
    } catch (error) {
      if (setAsideIfCorrupt(path, log)) return operation();
      const shape = error instanceof TypeError ? wrongShape(key) : null;
      if (shape === null) throw error;
      setAside(path, shape, true, log);
      return operation();
    }
  };
  return {
    path,
    // A read below a value of the wrong shape does not throw (the libraries answer undefined): without this check
    // a command that only reads (`export --cached`) showed an empty inventory without a word.
    get: (key) =>
      recovering(key, () => {
        const value = base.get(key);
        if (value !== undefined) return value;
        const shape = wrongShape(key);
        if (shape === null) return value;
        setAside(path, shape, true, log);
        return base.get(key);
      }),
    set: (key, value) => recovering(key, () => base.set(key, value)),
    delete: (key) => recovering(key, () => base.delete(key)),
  };
}
