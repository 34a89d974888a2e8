/* kc_trace_names.c - names of the trace format's enumerations, generated from kc_trace.h's
 * X-macro lists so that a value and its name cannot drift apart. */
#include <string.h>
#include <strings.h>

#include "kc_trace.h"

#define KC_NAME_AT(v, id, name, ...) [v] = name,
#define KC_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define KC_LOOKUP(table, i, dflt) ((i) < KC_COUNT(table) && (table)[i] ? (table)[i] : (dflt))

static const char *const rec_names[] = {KC_RECORD_TYPES(KC_NAME_AT)};
static const char *const api_names[] = {KC_APIS(KC_NAME_AT)};
static const char *const image_names[] = {KC_IMAGE_KINDS(KC_NAME_AT)};
static const char *const tool_names[] = {KC_TOOLS(KC_NAME_AT)};
static const char *const cupti_names[] = {KC_CUPTI_EVENTS(KC_NAME_AT)};
static const char *const role_names[] = {KC_ROLES(KC_NAME_AT)};
static const char *const graph_kind_names[] = {KC_GRAPH_KINDS(KC_NAME_AT)};
static const char *const path_names[] = {KC_PATHS(KC_NAME_AT)};
static const char *const feature_names[] = {KC_FEATURES(KC_NAME_AT)};

#define KC_EXT_AT(v, id, name, ext) [v] = ext,
static const char *const image_exts[] = {KC_IMAGE_KINDS(KC_EXT_AT)};

/* By CUlaunchAttributeID (cuda.h, CUDA 13.0). */
static const char *const launch_attr_names[] = {
    [1] = "access_policy_window",
    [2] = "cooperative",
    [3] = "synchronization_policy",
    [4] = "cluster_dimension",
    [5] = "cluster_scheduling_policy",
    [6] = "pdl", /* PROGRAMMATIC_STREAM_SERIALIZATION */
    [7] = "programmatic_event",
    [8] = "priority",
    [9] = "mem_sync_domain_map",
    [10] = "mem_sync_domain",
    [11] = "preferred_cluster_dimension",
    [12] = "launch_completion_event",
    [13] = "device_updatable_kernel_node",
    [14] = "preferred_shared_memory_carveout",
    [16] = "nvlink_util_centric_scheduling",
};

const char *kc_rec_type_name(unsigned type)
{
	return KC_LOOKUP(rec_names, type, "unknown");
}
const char *kc_api_name(unsigned api)
{
	return KC_LOOKUP(api_names, api, "unknown");
}
const char *kc_image_kind_name(unsigned kind)
{
	return KC_LOOKUP(image_names, kind, "unknown");
}
const char *kc_image_kind_ext(unsigned kind)
{
	return KC_LOOKUP(image_exts, kind, "bin");
}
const char *kc_tool_name(unsigned tool)
{
	return KC_LOOKUP(tool_names, tool, "unknown");
}
const char *kc_cupti_event_name(unsigned ev)
{
	return KC_LOOKUP(cupti_names, ev, "unknown");
}
const char *kc_role_name(unsigned role)
{
	return KC_LOOKUP(role_names, role, "unknown");
}
const char *kc_graph_kind_name(unsigned kind)
{
	return KC_LOOKUP(graph_kind_names, kind, "unknown");
}
const char *kc_path_name(unsigned bit)
{
	return KC_LOOKUP(path_names, bit, "?");
}
const char *kc_feature_name(unsigned bit)
{
	return KC_LOOKUP(feature_names, bit, "?");
}
unsigned kc_path_count(void)
{
	return KC_COUNT(path_names);
}
const char *kc_launch_attr_name(unsigned id)
{
	return id < KC_COUNT(launch_attr_names) ? launch_attr_names[id] : NULL;
}
int kc_setting_on(const char *v)
{
	return !(strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0 ||
		 strcasecmp(v, "false") == 0);
}
