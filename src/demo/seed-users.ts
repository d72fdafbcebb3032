import type { TeamRecord, UserRecord } from "./types.js";

const FIRST_NAMES = [
  "Ada",
  "Grace",
  "Alan",
  "Barbara",
  "Edsger",
  "Frances",
  "Donald",
  "Margaret",
  "Ken",
  "Radia",
  "Dennis",
  "Shafi",
  "Leslie",
  "Hedy",
  "Tim",
  "Karen",
  "Yann",
  "Fei-Fei",
  "Geoffrey",
  "Daphne",
];
const LAST_NAMES = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Liskov",
  "Dijkstra",
  "Allen",
  "Knuth",
  "Hamilton",
  "Thompson",
  "Perlman",
  "Ritchie",
  "Goldwasser",
  "Lamport",
  "Lamarr",
  "Berners-Lee",
];
const TEAM_NAMES = ["Platform", "Search Ranking", "Fraud", "Vision", "Speech", "Forecasting"];

export const USER_COUNT = 60;

/** 60 users with distinct names: id mod 20 and id mod 15 together fix id mod 60. */
export function seedUsers(): UserRecord[] {
  const users: UserRecord[] = [];
  for (let id = 1; id <= USER_COUNT; id++) {
    const first = FIRST_NAMES[id % FIRST_NAMES.length] ?? "User";
    const last = LAST_NAMES[(id * 7) % LAST_NAMES.length] ?? String(id);
    users.push({
      id,
      name: `${first} ${last}`,
      email: `${first}.${last}@example.com`.toLowerCase(),
      team_id: (id % TEAM_NAMES.length) + 1,
    });
  }
  return users;
}

export function seedTeams(): TeamRecord[] {
  return TEAM_NAMES.map((name, index) => ({
    id: index + 1,
    name,
    slug: name.toLowerCase().replace(/\s+/g, "-"),
  }));
}
