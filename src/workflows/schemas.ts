/**
 * The zod schemas workflows validate with, loaded when first used rather than with the bundle.
 * The worker evaluates the bundle's module graph once per workflow execution (that is how its
 * reusable V8 context keeps module state apart), so a static import made every (session, driver)
 * workflow build zod and the input schemas it never uses. `webpackMode: "eager"` keeps the modules
 * in the one bundle file: import() then settles within the same activation, deterministically.
 */
export const backfillInputSchemas = () => import(/* webpackMode: "eager" */ '../model/backfill-input.js');
export const carriedStateSchema = () => import(/* webpackMode: "eager" */ '../model/incremental-state.js');
