"use client";
import { useEffect, useRef } from "react";

export type ShortcutKey = "n" | "/" | "j" | "k" | "x" | "e" | "Delete" | "z" | "?";

/** The shortcuts, as the `?` list shows them. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; does: string }> = [
  { keys: "n", does: "New task" },
  { keys: "/", does: "Search" },
  { keys: "j / k", does: "Next / previous task" },
  { keys: "x", does: "Complete or reopen the task" },
  { keys: "e", does: "Edit the task" },
  { keys: "Delete", does: "Delete the task" },
  { keys: "z", does: "Undo the last delete" },
  { keys: "?", does: "Show these shortcuts" },
];

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

/**
 * Single-key shortcuts for the whole page, except while the person types in a field or a modal
 * dialog is open (its own keys win there).
 */
export function useShortcuts(handlers: Partial<Record<ShortcutKey, () => void>>) {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey || event.defaultPrevented) return;
      if (typing(event.target) || document.querySelector("dialog[open]")) return;
      const key = event.key === "Backspace" ? "Delete" : event.key;
      const handler = Object.entries(latest.current).find(([name]) => name === key)?.[1];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
