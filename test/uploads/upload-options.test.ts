import { describe, expect, it } from "vitest";
import { readUploadFlags } from "../../src/cli/read-upload-flags.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { uploadSchema } from "./upload-schema.js";

describe("upload limits as options and flags (issue #20)", () => {
  it.each([
    [{ maxFileBytes: 0 }, "uploads.maxFileBytes must be a positive integer, received 0"],
    [{ maxFiles: 2.5 }, "uploads.maxFiles must be a positive integer, received 2.5"],
    [{ maxFileSize: 10 }, "uploads.maxFileSize is not an upload limit (known: maxFileBytes, maxFiles, maxSpillBytes)"],
  ])("UP22: createTrestle({ uploads: %j }) is refused with CONFIG_INVALID naming the option", async (uploads, message) => {
    await expect(createTestTrestle(uploadSchema("http://127.0.0.1:1"), { uploads: uploads as never })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message,
    });
  });

  it("UP22: trestle serve --max-file-bytes and --max-files take positive integers, naming the flag otherwise", () => {
    expect(readUploadFlags({ "max-file-bytes": "209715200", "max-files": "3" })).toEqual({ maxFileBytes: 209715200, maxFiles: 3 });
    expect(readUploadFlags({})).toEqual({});
    expect(readUploadFlags({ "max-file-bytes": "50MB" })).toBe(
      'trestle serve: --max-file-bytes must be a positive integer, received "50MB"',
    );
    expect(readUploadFlags({ "max-files": "0" })).toBe('trestle serve: --max-files must be a positive integer, received "0"');
  });
});
