"use client";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { toast } from "@/lib/toast";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import { useApi } from "@/components/providers";
import { OwnChanges } from "@/lib/own-changes";

function showReminder(task: TaskAnswer) {
  toast(`Reminder: ${task.title}`, { duration: 30_000, closeButton: true });
  if (typeof Notification !== "undefined" && Notification.permission === "granted") {
    new Notification("Taskbridge reminder", { body: task.title, tag: `reminder-${task.id}` });
  }
}

/**
 * Follows the live stream: changes made elsewhere (another tab, device, or a reminder) refetch
 * the lists shown; the echo of this tab's own changes, already in the cache, is ignored.
 * Returns the tab's `OwnChanges`, to be told of every change this tab makes.
 */
export function useLiveTasks(): OwnChanges {
  const api = useApi();
  const queryClient = useQueryClient();
  const refresh = useRef(() => {});
  const [own] = useState(() => new OwnChanges(() => refresh.current()));

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let connected = false;
    refresh.current = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: ["tasks"] }), 300);
    };
    void api.follow(
      {
        onReady: (resumed) => {
          // The first connection comes with the page's own fetch; a reconnection that could not
          // resume where the last stream ended may have missed changes (one that resumed gets
          // them replayed as events).
          if (connected && !resumed) refresh.current();
          connected = true;
        },
        onResync: () => {
          void queryClient.invalidateQueries({ queryKey: ["lists"] });
          refresh.current();
        },
        onTask: ({ id }) => own.changed(id),
        onReminder: (task) => {
          showReminder(task);
          refresh.current();
        },
        // Joined, left or removed from a list, a role or a list changed: the lists, their
        // members and the tasks this person may see and change are read again.
        onLists: () => {
          void queryClient.invalidateQueries({ queryKey: ["lists"] });
          refresh.current();
        },
      },
      controller.signal,
    );
    return () => {
      clearTimeout(timer);
      own.dispose();
      controller.abort();
    };
  }, [api, queryClient, own]);

  return own;
}
