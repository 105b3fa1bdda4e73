import ICAL from "ical.js";

// The calendar feed as iCalendar (RFC 5545), built with ical.js: each pending dated task is one
// event, all day on its due date, or at its due time for 30 minutes. A due time is the person's
// wall clock, so it is written as a floating time: calendar apps show it at that hour wherever
// the person is, as the board does.

/** A task as the feed shows it. */
export interface FeedTask {
  id: string;
  title: string;
  description: string | null;
  tags: string[];
  /** `YYYY-MM-DD` */
  dueDate: string;
  /** `HH:MM` */
  dueTime: string | null;
  updatedAt: Date;
  listName: string;
}

const PRODID = "-//Taskbridge//Calendar feed//EN";

function dateOf(date: string): { year: number; month: number; day: number } {
  const [year = 1970, month = 1, day = 1] = date.split("-").map(Number);
  return { year, month, day };
}

function eventOf(one: FeedTask): ICAL.Component {
  const event = new ICAL.Component("vevent");
  event.updatePropertyWithValue("uid", `${one.id}@taskbridge`);
  event.updatePropertyWithValue("dtstamp", ICAL.Time.fromJSDate(one.updatedAt, true));
  event.updatePropertyWithValue("last-modified", ICAL.Time.fromJSDate(one.updatedAt, true));
  event.updatePropertyWithValue("summary", one.title);
  if (one.dueTime === null) {
    const start = ICAL.Time.fromData({ ...dateOf(one.dueDate), isDate: true });
    const end = start.clone();
    end.adjust(1, 0, 0, 0);
    event.updatePropertyWithValue("dtstart", start);
    event.updatePropertyWithValue("dtend", end);
  } else {
    const [hour = 0, minute = 0] = one.dueTime.split(":").map(Number);
    const start = ICAL.Time.fromData({ ...dateOf(one.dueDate), hour, minute, second: 0 });
    event.updatePropertyWithValue("dtstart", start);
    event.updatePropertyWithValue("duration", ICAL.Duration.fromString("PT30M"));
  }
  if (one.description) event.updatePropertyWithValue("description", one.description);
  const categories = [one.listName, ...one.tags];
  const property = new ICAL.Property("categories");
  property.setValues(categories);
  event.addProperty(property);
  event.updatePropertyWithValue("transp", "TRANSPARENT");
  return event;
}

/** The feed of `tasks` as iCalendar text (CRLF lines, folded as RFC 5545 says). */
export function feedCalendar(tasks: readonly FeedTask[]): string {
  const calendar = new ICAL.Component(["vcalendar", [], []]);
  calendar.updatePropertyWithValue("prodid", PRODID);
  calendar.updatePropertyWithValue("version", "2.0");
  calendar.updatePropertyWithValue("calscale", "GREGORIAN");
  calendar.updatePropertyWithValue("method", "PUBLISH");
  calendar.updatePropertyWithValue("x-wr-calname", "Taskbridge");
  for (const one of tasks) calendar.addSubcomponent(eventOf(one));
  return `${calendar.toString()}\r\n`;
}
