// app/bff/[...trestle]/route.ts: every method under /bff/* goes to Trestle (prefix "/bff").
import { trestleNext } from "../../../../../src/index.js";
import { trestle } from "../../../lib/trestle.js";

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = trestleNext(trestle);
