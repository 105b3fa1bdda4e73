import { z } from "zod";
import { API_URL, expect, test } from "./fixtures.ts";

const OverflowSchema = z.object({
  layout: z.number(),
  scroll: z.number(),
  client: z.number(),
  wide: z.array(z.string()),
});

test.describe("the API reference at /docs", () => {
  for (const { width, phone } of [
    { width: 360, phone: true },
    { width: 390, phone: true },
    { width: 1280, phone: false },
  ]) {
    test(`fits a ${width} px screen with no sideways scrolling`, async ({ browser }) => {
      // A phone lays a page out at its own width only when the page asks for it (viewport meta).
      const context = await browser.newContext({
        viewport: { width, height: 800 },
        isMobile: phone,
        hasTouch: phone,
      });
      const page = await context.newPage();
      await page.goto(`${API_URL}/docs`);
      await expect(page.getByRole("heading", { name: /Taskbridge task API/ })).toBeVisible();
      // Open one operation, as a reader would, so its parameters and answers are laid out too.
      await page.locator(".opblock-summary").first().click();
      await expect(page.locator(".opblock-body").first()).toBeVisible();
      // Run in the page as text: this file is type-checked without the DOM's types.
      const overflow = OverflowSchema.parse(
        await page.evaluate(`(() => {
          const root = document.documentElement;
          const wide = [...document.querySelectorAll("#swagger-ui *")]
            .filter((element) => element.getBoundingClientRect().right > root.clientWidth + 1)
            .slice(0, 5)
            .map((element) => element.tagName.toLowerCase() + "." + element.className + ": " +
              (element.textContent ?? "").slice(0, 40));
          return { layout: window.innerWidth, scroll: root.scrollWidth, client: root.clientWidth, wide };
        })()`),
      );
      expect(overflow.layout).toBe(width);
      expect(overflow.wide).toEqual([]);
      expect(overflow.scroll).toBeLessThanOrEqual(overflow.client);
      await context.close();
    });
  }
});
