interface Env {
	MODERATOR: Workflow;
	MY_WORKFLOW: Workflow;
}
