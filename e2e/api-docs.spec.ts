import { z } from "zod";
import { API_URL, expect, test } from "./fixtures.ts";

const OverflowSchema = z.object({
  layout: z.number(),
  scroll: z.number(),
  client: z.number(),
  wide: z.array(z.string()),
});

test.describe("the API reference at /docs", () => {
  for (const { device, widths, phone } of [
    { device: "phone", widths: [360, 390], phone: true },
    { device: "desktop", widths: [1280], phone: false },
  ]) {
    test(`fits a ${device} screen ${widths.join(" or ")} px wide with no sideways scrolling`, async ({
      browser,
    }) => {
      // A phone lays a page out at its own width only when the page asks for it (viewport meta).
      const context = await browser.newContext({
        viewport: { width: widths[0] ?? 0, height: 800 },
        isMobile: phone,
        hasTouch: phone,
      });
      const page = await context.newPage();
      await page.goto(`${API_URL}/docs`);
      await expect(page.getByRole("heading", { name: /Taskbridge task API/ })).toBeVisible();
      // Open one operation, as a reader would, so its parameters and answers are laid out too.
      await page.locator(".opblock-summary").first().click();
      await expect(page.locator(".opblock-body").first()).toBeVisible();
      for (const width of widths) {
        // The same page turned to another width lays itself out again, as a resized window does.
        await page.setViewportSize({ width, height: 800 });
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
        expect(overflow.layout, `${width} px`).toBe(width);
        expect(overflow.wide, `${width} px`).toEqual([]);
        expect(overflow.scroll, `${width} px`).toBeLessThanOrEqual(overflow.client);
      }
      await context.close();
    });
  }
});
