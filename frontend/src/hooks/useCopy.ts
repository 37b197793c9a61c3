// Copies a value to the clipboard, or, where there is no clipboard (a page served over plain
// http, or permission refused), selects it so a keyboard shortcut copies it. Answers what
// happened as a sentence for a live region.

import { useEffect, useRef, useState } from 'react';

export type CopyState = 'idle' | 'copied' | 'selected';

export function useCopy(value: string) {
  const [state, setState] = useState<CopyState>('idle');
  /** The element showing the value: what gets selected without a clipboard. */
  const target = useRef<HTMLElement>(null);
  useEffect(() => setState('idle'), [value]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      const selection = window.getSelection();
      if (selection && target.current) selection.selectAllChildren(target.current);
      setState('selected');
    }
  };
  const note = state === 'copied' ? 'Copied to the clipboard.' : state === 'selected' ? 'Selected: press Ctrl+C (⌘C on a Mac) to copy.' : '';
  return { state, copy, target, note };
}
