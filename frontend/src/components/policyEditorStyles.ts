// The policy editor's look, inside its shadow root (see PolicyEditor.tsx for why it has one):
// applied as a constructable style sheet, as CodeMirror's own are there, since the server's
// Content-Security-Policy (`style-src 'self'`) refuses <style> elements. Colours and fonts are
// the app's custom properties (styles.css), which inherit into the shadow tree. Every rule is
// under `.cm-editor`, to outweigh CodeMirror's theme rules (a class under its theme class).

export const EDITOR_CSS = `
.cm-editor { height: 28rem; font: .82rem/var(--line) var(--mono); background: var(--surface); color: var(--text); }
.cm-editor.cm-focused { outline: none; }
.cm-editor .cm-scroller { font: inherit; line-height: var(--line); }
.cm-editor .cm-content { padding: .5rem 0; }
.cm-editor .cm-gutters { background: #f1f4f8; color: var(--muted); border-right: 1px solid var(--border); }
.cm-editor .cm-activeLine { background: #f5f8fc; }
.cm-editor .cm-activeLineGutter { background: #e4e9f0; }
.cm-editor .cm-diag-error { background: var(--bad-bg); }
.cm-editor .cm-diag-warning { background: var(--warn-bg); }
.cm-editor .cm-diag-info { background: var(--info-bg); }
.cm-editor .cm-lintRange-error { background-image: none; text-decoration: underline wavy var(--bad-fg); text-decoration-skip-ink: none; }
.cm-editor .cm-lintRange-warning { background-image: none; text-decoration: underline wavy var(--warn-fg); text-decoration-skip-ink: none; }
.cm-editor .cm-lintRange-info { background-image: none; text-decoration: underline dotted var(--info-fg); }
.cm-editor .cm-tooltip { border: 1px solid var(--border); border-radius: 6px; background: var(--surface); box-shadow: 0 4px 14px rgb(20 33 61 / 15%); font: .85rem/1.4 system-ui, sans-serif; }
.cm-editor .cm-tooltip-autocomplete ul { font-family: var(--mono); }
.cm-editor .cm-tooltip-autocomplete ul li[aria-selected] { background: var(--primary); color: #fff; }
.cm-editor .cm-completionDetail { color: var(--muted); margin-left: .6rem; font-style: normal; }
.cm-editor .cm-tooltip-autocomplete ul li[aria-selected] .cm-completionDetail { color: #dbe4ff; }
.cm-editor .cm-completionInfo { max-width: 26rem; padding: .4rem .6rem; }
.cm-editor .cm-diagnostic { padding: .3rem .6rem; }
.cm-editor .cm-diagnosticSource { color: var(--muted); }
.cm-editor .policy-hover { max-width: 28rem; padding: .4rem .6rem; }
.cm-editor .policy-hover-title { color: var(--muted); }
.cm-editor .policy-hover-title code { color: var(--text); font-weight: 700; }
.cm-editor .policy-hover p { margin: .3rem 0 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;
