"use client";
import { useEffect } from "react";
import { Toaster } from "sonner";
import { toasterListening } from "@/lib/toast";

/** Where toasts appear; loaded after the page (see lib/toast.ts). */
export default function LazyToaster() {
  // Effects run child first: sonner's own <Toaster> subscribes before this one says so.
  useEffect(toasterListening, []);
  return <Toaster richColors closeButton position="bottom-center" />;
}
