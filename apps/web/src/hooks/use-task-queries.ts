"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useApi } from "@/components/providers";
import type { ListParams } from "@/lib/views";

export const PAGE_SIZE = 100;

export const listKey = (params: ListParams) => ["tasks", "list", params] as const;
export const statsKey = (today: string) => ["tasks", "stats", today] as const;

export function useTaskList(params: ListParams) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: listKey(params),
    queryFn: ({ pageParam }) => api.listTasks({ ...params, limit: String(PAGE_SIZE) }, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** The view counts: one small answer from `/tasks/stats`, never a listing. */
export function useTaskStats(today: string) {
  const api = useApi();
  return useQuery({ queryKey: statsKey(today), queryFn: () => api.stats(today) });
}
