"use client";
import { cva, type VariantProps } from "class-variance-authority";
import type * as React from "react";
import { useHydrated } from "@/hooks/use-hydrated";
import { cn } from "@/lib/utils";

const buttonVariants = cva(
  "inline-flex items-center justify-center gap-2 whitespace-nowrap rounded-md text-sm font-medium transition-colors focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background disabled:pointer-events-none disabled:opacity-50 [&_svg]:size-4 [&_svg]:shrink-0",
  {
    variants: {
      variant: {
        default: "bg-primary text-primary-foreground hover:bg-primary/90",
        destructive: "bg-destructive text-destructive-foreground hover:bg-destructive/90",
        outline: "border border-input bg-background hover:bg-accent hover:text-accent-foreground",
        ghost: "hover:bg-accent hover:text-accent-foreground",
        link: "text-foreground underline-offset-4 hover:underline",
      },
      // Touch screens get 44 px targets; a mouse gets denser rows.
      size: {
        default: "h-10 px-4 py-2 pointer-coarse:h-11",
        sm: "h-9 px-3 pointer-coarse:h-11",
        icon: "size-8 pointer-coarse:size-11",
      },
    },
    defaultVariants: { variant: "default", size: "default" },
  },
);

/**
 * Every button here acts through script, so until React has hydrated the page it is disabled: a
 * click then would be lost, and a form's default button would send the form natively, its
 * fields (a password among them) in the address. A disabled default button also stops Enter.
 */
export function Button({
  className,
  variant,
  size,
  disabled,
  ...props
}: React.ComponentProps<"button"> & VariantProps<typeof buttonVariants>) {
  const hydrated = useHydrated();
  return (
    <button
      className={cn(buttonVariants({ variant, size, className }))}
      disabled={disabled === true || !hydrated}
      {...props}
    />
  );
}
