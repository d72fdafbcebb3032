import type { DemoRoute } from "./router.js";
import { experimentRoutes } from "./routes-experiments.js";
import { metaRoutes } from "./routes-meta.js";
import { modelRoutes } from "./routes-models.js";
import { pipelineRoutes } from "./routes-pipelines.js";
import { predictRoutes } from "./routes-predict.js";
import { streamRoutes } from "./routes-streams.js";
import { userRoutes } from "./routes-users.js";
import { classifyRoutes } from "./routes-classify.js";

/** Every route of the demo upstream; `openapi.ts` documents each one. */
export const demoRoutes: readonly DemoRoute[] = [
  ...metaRoutes,
  ...modelRoutes,
  ...predictRoutes,
  ...classifyRoutes,
  ...experimentRoutes,
  ...pipelineRoutes,
  ...streamRoutes,
  ...userRoutes,
];
