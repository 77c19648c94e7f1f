# the chat API (imported by cchat.wgsi in the deployment)
