// The app's own route, beside Trestle.
export function GET(): Response {
  return Response.json({ hello: "from next" });
}
