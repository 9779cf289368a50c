export { default } from "./index";
export { MyWorkflow } from "./workflow";
