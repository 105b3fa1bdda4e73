import { parse } from "chrono-node/en";
import type { DateParser } from "./quick-add.ts";

/** chrono-node's English parser, in the shape quick add takes; imported lazily (it is large). */
export const parseDates: DateParser = (text, reference) =>
  parse(text, reference, { forwardDate: true }).map((found) => ({
    index: found.index,
    text: found.text,
    date: found.start.date(),
    hasTime: found.start.isCertain("hour"),
    hasDay:
      found.start.isCertain("day") ||
      found.start.isCertain("weekday") ||
      found.start.isCertain("month"),
  }));
