// Deterministic data of the benchmark upstream: the same ids, names and parent keys on
// every run and every machine. Ids are strings, as many JSON APIs send them, so that
// every system's GraphQL `ID` answers the same text.

export const USER_COUNT = 1000;
export const TEAM_COUNT = 100;
export const POST_COUNT = 5000;

const adjectives = ["amber", "brisk", "calm", "daring", "eager", "fancy", "gentle", "hardy", "ivory", "jolly"];
const nouns = ["falcon", "otter", "maple", "comet", "harbor", "lantern", "meadow", "quartz", "river", "summit"];

/** Builds the whole data set; ~6,100 records, a few milliseconds. */
export function createData() {
  const teams = new Map();
  for (let i = 1; i <= TEAM_COUNT; i++) {
    const name = `${cap(adjectives[i % 10])} ${cap(nouns[Math.floor(i / 10) % 10])} ${i}`;
    teams.set(String(i), { id: String(i), name, slug: name.toLowerCase().replaceAll(" ", "-"), member_count: 0 });
  }
  const users = new Map();
  for (let i = 1; i <= USER_COUNT; i++) {
    const teamId = String(((i * 7) % TEAM_COUNT) + 1);
    const first = cap(nouns[i % 10]);
    const last = cap(adjectives[Math.floor(i / 10) % 10]);
    users.set(String(i), {
      id: String(i),
      name: `${first} ${last} ${i}`,
      email: `user${i}@example.test`,
      team_id: teamId,
      created_at: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    });
    teams.get(teamId).member_count += 1;
  }
  const posts = new Map();
  for (let i = 1; i <= POST_COUNT; i++) {
    posts.set(String(i), {
      id: String(i),
      title: `Post ${i}: ${adjectives[i % 10]} ${nouns[(i * 3) % 10]}`,
      body: `Body of post ${i}. `.repeat(3).trim(),
      // 37 is coprime with 1000: the first 50 posts have 50 different authors.
      author_id: String(((i * 37) % USER_COUNT) + 1),
      published_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    });
  }
  return { users, teams, posts };
}

/**
 * The inference answer for one input: a pure function of (model, text), with a little
 * CPU work (a hash over the text) like a tiny model would do.
 */
export function predict(input) {
  const model = typeof input?.model === "string" ? input.model : "sentiment-v1";
  const text = typeof input?.text === "string" ? input.text : "";
  let hash = 2166136261;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i) + round;
      hash = Math.imul(hash, 16777619) >>> 0;
    }
  }
  const labels = ["negative", "neutral", "positive"];
  const score = Math.round(((hash % 10000) / 10000) * 10000) / 10000;
  return {
    model,
    label: labels[hash % 3],
    score,
    tokens: text.split(/\s+/).filter(Boolean).length,
    model_version: 3,
  };
}

function cap(word) {
  return word[0].toUpperCase() + word.slice(1);
}
