"use client";
import { useInfiniteQuery, useQueries, useQuery } from "@tanstack/react-query";
import type { ListAnswer, MemberAnswer } from "@taskbridge/shared/list-mini";
import { useApi } from "@/components/providers";
import type { ListParams } from "@/lib/views";

export const PAGE_SIZE = 100;

export const listKey = (params: ListParams) => ["tasks", "list", params] as const;
export const statsKey = (today: string) => ["tasks", "stats", today] as const;
/** Under "tasks": a change to any task may change a list's counts, and refreshes them too. */
export const listsKey = ["tasks", "lists"] as const;
export const membersKey = (listId: string) => ["lists", listId, "members"] as const;

export function useTaskList(params: ListParams, { enabled = true } = {}) {
  const api = useApi();
  return useInfiniteQuery({
    enabled,
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

/** The caller's lists with their pending counts and the caller's role in each. */
export function useLists() {
  const api = useApi();
  return useQuery({ queryKey: listsKey, queryFn: () => api.lists() });
}

/**
 * The members of some lists, for assignees' names. Members change rarely, and a change comes as
 * `event: lists`, which refreshes these; a change of tasks does not.
 */
export function useMembers(listIds: readonly string[]): ReadonlyMap<string, MemberAnswer> {
  const api = useApi();
  return useQueries({
    queries: listIds.map((id) => ({
      queryKey: membersKey(id),
      queryFn: () => api.members(id),
      staleTime: Infinity,
    })),
    combine: membersById,
  });
}

// Outside the hook, so that TanStack Query keeps the combined map while no answer changes.
function membersById(results: ReadonlyArray<{ data?: MemberAnswer[] }>) {
  const byId = new Map<string, MemberAnswer>();
  for (const result of results)
    for (const member of result.data ?? []) byId.set(member.user_id, member);
  return byId;
}

/** The members of one list (the assignee select), fetched once the dialog needs them. */
export function useListMembers(list: ListAnswer | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: membersKey(list?.id ?? ""),
    queryFn: () => api.members(list?.id ?? ""),
    enabled: list !== undefined && list.member_count > 1,
    staleTime: Infinity,
  });
}
