// The rules of lists that the API and the board share, free of any schema library so that the
// board's bundle takes only these constants.

export const LIST_COLORS = [
  "gray",
  "red",
  "orange",
  "yellow",
  "green",
  "teal",
  "blue",
  "purple",
  "pink",
] as const;
export type ListColor = (typeof LIST_COLORS)[number];

export const ROLES = ["owner", "editor", "viewer"] as const;
export type Role = (typeof ROLES)[number];
/** The roles an owner can give: there is exactly one owner, the creator. */
export const MEMBER_ROLES = ["editor", "viewer"] as const;

export const LIST_NAME_MAX = 100;
/** Lists one user may own besides the Inbox. */
export const OWNED_LISTS_MAX = 200;
export const INBOX_NAME = "Inbox";
