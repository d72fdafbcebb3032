/**
 * The "Upstream calls" panel's styles (a `<style>` the panel adds; the page's policy allows
 * inline styles). Colours follow GraphiQL's light and dark themes: its own variables are scoped
 * to its container, so the panel declares its own, switched by the same body classes and media
 * query GraphiQL uses.
 */
export const waterfallPanelStyle = `
.trestle-waterfall {
  --tw-base: hsl(219, 28%, 100%); --tw-text: hsl(219, 28%, 32%); --tw-line: hsla(219, 28%, 32%, 0.15);
  --tw-upstream: hsl(208, 100%, 46%); --tw-cache: hsl(158, 60%, 42%); --tw-error: hsl(13, 93%, 58%);
  position: fixed; right: 12px; bottom: 12px; z-index: 20; display: flex; flex-direction: column; align-items: flex-end; gap: 6px;
  font: 12px/1.4 system-ui, sans-serif; color: var(--tw-text);
}
@media (prefers-color-scheme: dark) {
  body:not(.graphiql-light) .trestle-waterfall {
    --tw-base: hsl(219, 29%, 18%); --tw-text: hsl(219, 29%, 78%); --tw-line: hsla(219, 29%, 78%, 0.15);
    --tw-upstream: hsl(208, 100%, 72%); --tw-cache: hsl(158, 100%, 42%); --tw-error: hsl(13, 100%, 58%);
  }
}
body.graphiql-dark .trestle-waterfall {
  --tw-base: hsl(219, 29%, 18%); --tw-text: hsl(219, 29%, 78%); --tw-line: hsla(219, 29%, 78%, 0.15);
  --tw-upstream: hsl(208, 100%, 72%); --tw-cache: hsl(158, 100%, 42%); --tw-error: hsl(13, 100%, 58%);
}
.trestle-waterfall button {
  font: inherit; color: inherit; background: var(--tw-base); border: 1px solid var(--tw-line); border-radius: 6px; padding: 4px 10px; cursor: pointer;
}
.trestle-waterfall-toggle { box-shadow: 0 1px 4px rgba(0, 0, 0, 0.2); }
.trestle-waterfall-panel {
  width: min(960px, calc(100vw - 24px)); max-height: 50vh; overflow: auto; background: var(--tw-base);
  border: 1px solid var(--tw-line); border-radius: 8px; box-shadow: 0 4px 16px rgba(0, 0, 0, 0.25); padding: 8px 12px;
}
.trestle-waterfall-panel[hidden], .trestle-waterfall-panel [hidden] { display: none; }
.trestle-waterfall-header { display: flex; align-items: center; gap: 12px; margin-bottom: 6px; }
.trestle-waterfall-summary { flex: 1; }
.trestle-waterfall-legend { display: flex; align-items: center; gap: 4px; }
.trestle-waterfall-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-left: 6px; }
.trestle-waterfall-table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
.trestle-waterfall-table th { text-align: left; font-weight: 600; border-bottom: 1px solid var(--tw-line); padding: 2px 6px; white-space: nowrap; }
.trestle-waterfall-table td { border-bottom: 1px solid var(--tw-line); padding: 2px 6px; white-space: nowrap; }
.trestle-waterfall-route { font-family: ui-monospace, monospace; max-width: 320px; overflow: hidden; text-overflow: ellipsis; }
.trestle-waterfall-batch, .trestle-waterfall-start, .trestle-waterfall-ms { text-align: right; }
.trestle-waterfall-timeline { width: 35%; min-width: 160px; }
.trestle-waterfall-track { position: relative; height: 12px; }
.trestle-waterfall-bar { position: absolute; top: 0; height: 12px; min-width: 2px; border-radius: 2px; }
.trestle-waterfall-bar-upstream { background: var(--tw-upstream); }
.trestle-waterfall-bar-cache { background: var(--tw-cache); }
.trestle-waterfall-bar-error { background: var(--tw-error); }
.trestle-waterfall-text { margin: 0; font: 12px/1.4 ui-monospace, monospace; white-space: pre; }
`;
