// express@4 is installed as "express4" (npm alias) beside express@5; its API surface used by the
// tests (express(), use, get, json, listen) is typed the same as Express 5's.
declare module "express4" {
  import express from "express";
  export default express;
}
