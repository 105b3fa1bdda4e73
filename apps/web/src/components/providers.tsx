"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { createContext, lazy, Suspense, useContext, useState } from "react";
import { ApiClient } from "@/lib/api-client";
import { TokenManager } from "@/lib/token-manager";

// Toasts come after the page: see lib/toast.ts.
const Toaster = lazy(() => import("@/components/toaster"));

const ApiContext = createContext<ApiClient | null>(null);

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside <Providers>");
  return api;
}

/**
 * The signed-in part of the site: one query cache, and one API client whose token lives in this
 * tab's memory only. The API's URL comes from the server at run time, not from the build.
 */
export function Providers({ apiUrl, children }: { apiUrl: string; children: React.ReactNode }) {
  const router = useRouter();
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { staleTime: 10_000, retry: 1, refetchOnWindowFocus: true } },
      }),
  );
  const [api] = useState(
    () =>
      new ApiClient(apiUrl, new TokenManager(), () => {
        // The session is gone: go sign in, then come back here. What was typed stays in the
        // form fields of this page until the navigation happens.
        router.push(`/sign-in?next=${encodeURIComponent(window.location.pathname)}`);
      }),
  );
  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={queryClient}>
        {children}
        <Suspense fallback={null}>
          <Toaster />
        </Suspense>
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}
