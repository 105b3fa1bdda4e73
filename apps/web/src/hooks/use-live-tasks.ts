"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef } from "react";
import { toast } from "sonner";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import { useApi } from "@/components/providers";

/** How long the stream's echo of this tab's own change is expected to take, at most. */
const ECHO_MS = 10_000;

function showReminder(task: TaskAnswer) {
  toast(`Reminder: ${task.title}`, { duration: 30_000, closeButton: true });
  if (typeof Notification !== "undefined" && Notification.permission === "granted") {
    new Notification("Taskbridge reminder", { body: task.title, tag: `reminder-${task.id}` });
  }
}

/**
 * Follows the live stream: changes made elsewhere (another tab, device, or a reminder) refetch
 * the lists shown; the echo of this tab's own changes, already in the cache, is ignored.
 * Returns `own`, to be told of every task this tab changes.
 */
export function useLiveTasks(): (id: string) => void {
  const api = useApi();
  const queryClient = useQueryClient();
  const mine = useRef(new Map<string, number>());

  const own = useCallback((id: string) => {
    mine.current.set(id, Date.now());
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let connected = false;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: ["tasks"] }), 300);
    };
    void api.follow(
      {
        onReady: () => {
          // The first connection comes with the page's own fetch; a reconnection may have
          // missed changes.
          if (connected) refresh();
          connected = true;
        },
        onTask: ({ id }) => {
          const at = mine.current.get(id);
          if (at !== undefined && Date.now() - at < ECHO_MS) return;
          mine.current.delete(id);
          refresh();
        },
        onReminder: (task) => {
          showReminder(task);
          refresh();
        },
      },
      controller.signal,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, queryClient]);

  return own;
}
