// CodeMirror in jsdom: jsdom lays nothing out, so ranges have no client rectangles and
// CodeMirror's measuring would throw. Empty rectangles let it run (nothing here is about
// positions on screen). The policy editor keeps CodeMirror in a shadow root: `editorRoot` is
// that root, `viewOf` the view in it.

import { EditorView } from '@codemirror/view';

const emptyRect = { x: 0, y: 0, top: 0, left: 0, bottom: 0, right: 0, width: 0, height: 0, toJSON: () => ({}) } as DOMRect;
const emptyRects = () => Object.assign([], { item: () => null }) as unknown as DOMRectList;

// A shadow root without getSelection (jsdom's) makes CodeMirror read the selection through
// `execCommand` (its Safari workaround), which jsdom does not have.
if (typeof document !== 'undefined' && typeof document.execCommand !== 'function') {
  document.execCommand = () => false;
}

if (typeof Range !== 'undefined') {
  Range.prototype.getClientRects ??= emptyRects;
  Range.prototype.getBoundingClientRect ??= () => emptyRect;
}

/** The shadow root of the policy editor inside `container`. */
export function editorRoot(container: HTMLElement): ShadowRoot {
  const root = container.querySelector('[data-testid="policy-editor"]')?.shadowRoot;
  if (!root) throw new Error('no policy editor rendered');
  return root;
}

/** The editor view inside `container`. */
export function viewOf(container: HTMLElement): EditorView {
  const dom = editorRoot(container).querySelector<HTMLElement>('.cm-editor');
  const view = dom && EditorView.findFromDOM(dom);
  if (!view) throw new Error('no CodeMirror editor rendered');
  return view;
}
