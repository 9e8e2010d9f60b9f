// Tests run on Node 20; the SDK's Node-22 end-of-support notice is noise in every test log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
