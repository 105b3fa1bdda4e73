import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.next/**",
      ".data/**",
      "**/next-env.d.ts",
      "test-results/**",
      "playwright-report/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/consistent-type-assertions": [
        "error",
        { assertionStyle: "as", objectLiteralTypeAssertions: "never" },
      ],
      // Fastify plugins and hooks are async by contract even when their body awaits nothing.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-misused-promises": [
        "error",
        { checksVoidReturn: { attributes: false } },
      ],
    },
  },
  {
    // The access rule of the task API lives in its repositories: a join on list_member in every
    // statement that reads or writes a task or a list. Nothing else in the API may reach those
    // tables, so a new route cannot forget the rule: it has no way to query them but through it.
    files: ["apps/api/src/**/*.ts"],
    ignores: ["apps/api/src/repositories/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@taskbridge/db/schema",
              importNames: ["task", "list", "listMember", "listInvite"],
              message:
                "Tasks and lists are read and written through apps/api/src/repositories, which apply the membership rule.",
            },
          ],
        },
      ],
    },
  },
  {
    // expect.objectContaining and friends are typed `any` by design.
    files: ["**/test/**", "e2e/**", "tests/**"],
    rules: { "@typescript-eslint/no-unsafe-assignment": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
