// Words for the recurrence rules (RFC 5545 RRULE, the subset the API takes).

const DAY_NAMES: Record<string, string> = {
  MO: "Monday",
  TU: "Tuesday",
  WE: "Wednesday",
  TH: "Thursday",
  FR: "Friday",
  SA: "Saturday",
  SU: "Sunday",
};
const UNIT: Record<string, string> = {
  DAILY: "day",
  WEEKLY: "week",
  MONTHLY: "month",
  YEARLY: "year",
};

/** The rules the form offers by name. */
export const COMMON_RULES: ReadonlyArray<{ rule: string; label: string }> = [
  { rule: "FREQ=DAILY", label: "Every day" },
  { rule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", label: "Every weekday" },
  { rule: "FREQ=WEEKLY", label: "Every week" },
  { rule: "FREQ=MONTHLY", label: "Every month" },
  { rule: "FREQ=YEARLY", label: "Every year" },
];

export function describeRecurrence(rule: string): string {
  const known = COMMON_RULES.find((common) => common.rule === rule);
  if (known) return known.label;
  const parts = new Map(
    rule.split(";").map((part) => {
      const [name = "", value = ""] = part.split("=");
      return [name, value] as const;
    }),
  );
  const unit = UNIT[parts.get("FREQ") ?? ""] ?? "time";
  const interval = Number(parts.get("INTERVAL") ?? "1");
  let text = interval > 1 ? `Every ${interval} ${unit}s` : `Every ${unit}`;
  const days = parts.get("BYDAY");
  if (days) {
    const names = days.split(",").map((day) => DAY_NAMES[day] ?? day);
    text = interval > 1 ? `${text} on ${names.join(", ")}` : `Every ${names.join(", ")}`;
  }
  const monthDay = parts.get("BYMONTHDAY");
  if (monthDay) text += monthDay === "-1" ? " on the last day" : ` on day ${monthDay}`;
  return text;
}
