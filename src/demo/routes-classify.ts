import { createHash } from "node:crypto";
import { DemoHttpError, unprocessable } from "./http-error.js";
import { readFormData } from "./read-form-data.js";
import type { DemoRoute } from "./router.js";
import { getModel } from "./routes-models.js";

/** The labels an image model picks from when the registry lists none for it. */
const imageLabels = ["cat", "dog", "bird", "car", "tree", "boat", "person", "flower"];

/**
 * Image classification, FastAPI style (`file: UploadFile = File(...)`, `top_k: int = Form(5)`):
 * a multipart upload whose labels are computed from the file's bytes (a sha256 per label), so
 * the same image always gets the same answer.
 */
export const classifyRoutes: DemoRoute[] = [
  {
    method: "POST",
    path: "/models/{name}/classify",
    handle(context) {
      const model = getModel(context);
      const parts = readFormData(context.headers["content-type"], context.readBytes());
      if (parts === undefined) throw new DemoHttpError(400, "Expected a multipart/form-data body");
      const file = parts.find((part) => part.name === "file" && part.filename !== undefined);
      if (file === undefined) throw unprocessable({ type: "missing", loc: ["body", "file"], msg: "Field required" });
      const topKText = parts.find((part) => part.name === "top_k")?.data.toString("utf8") ?? "5";
      const topK = Number(topKText);
      if (!Number.isInteger(topK) || topK < 1)
        throw unprocessable({
          type: "int_parsing",
          loc: ["body", "top_k"],
          msg: "Input should be a valid integer, at least 1",
          input: topKText,
        });
      const labels = context.data.modelLabels.get(model.name) ?? imageLabels;
      const digest = createHash("sha256").update(file.data).digest("hex");
      const raw = labels.map((label) => parseInt(createHash("sha256").update(`${digest}|${label}`).digest("hex").slice(0, 6), 16) + 1);
      const total = raw.reduce((sum, value) => sum + value, 0);
      const ranked = labels
        .map((label, index) => ({ label, score: Math.round(((raw[index] ?? 0) / total) * 10_000) / 10_000 }))
        .sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
      return { body: ranked.slice(0, topK) };
    },
  },
];
