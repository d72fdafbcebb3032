import { formatWaterfall } from "./format-waterfall.js";
import { installWaterfallPanel } from "./install-waterfall-panel.js";
import { waterfallPanelStyle } from "./waterfall-panel-style.js";

/**
 * The inline script that adds the "Upstream calls" panel to GraphiQL (debug mode): the panel
 * and its text rendering, serialized from their functions, called with the GraphQL endpoint.
 * `__name` is defined for the case where a bundler that keeps function names (esbuild's
 * `keepNames`, as tsx runs the sources) wrapped functions inside them in calls to its helper.
 * The result holds no `</script>` nor `<!--`: `<` in the arguments is escaped.
 */
export function waterfallPanelScript(endpoint: string): string {
  const literal = (value: string) => JSON.stringify(value).replaceAll("<", "\\u003c");
  return `(() => {
  "use strict";
  const __name = (target) => target;
  (${String(installWaterfallPanel)})(${literal(endpoint)}, ${literal(waterfallPanelStyle)}, ${String(formatWaterfall)});
})();`;
}
