"""GraphQL operations, word for word as the Labelbox Python SDK (6.x) sends them.

Sending the SDK's own text means the client hits exactly the server paths the SDK is known to work
with; the emulator is tested against both this client and the SDK itself.
"""

from __future__ import annotations

_MODEL_RUN_FIELDS = "createdAt createdBy modelId name trainingMetadata id updatedAt"
_TASK_FIELDS = "completionPercentage createdAt errors metadata name result status type id updatedAt"

GET_USER = (
    "query GetUserPyApi{user{createdAt email intercomHash isExternalUser isViewer nickname name picture id updatedAt}}"
)

GET_TASK = (
    "query GetUserCreatedTasksPyApi($param_0: ID!, $param_1: ID!){user(where: {id: $param_1})"
    "{createdTasks(where: {id: $param_0} skip: 0 first: 100){" + _TASK_FIELDS + "}}}"
)

GET_MODEL_RUN = "query GetModelRunPyApi($param_0: ID!){modelRun(where: {id: $param_0}){" + _MODEL_RUN_FIELDS + "}}"

GET_MODEL = "query GetModelPyApi($param_0: ID!){model(where: {id: $param_0}){name ontologyId id}}"


def get_models(skip: int, first: int) -> str:
    return f"query GetModelsPyApi{{models(skip: {skip} first: {first}){{name ontologyId id}}}}"


def get_model_runs(skip: int, first: int) -> str:
    return (
        "query GetModelModelRunsPyApi($param_0: ID!){model(where: {id: $param_0})"
        f"{{modelRuns(skip: {skip} first: {first}){{{_MODEL_RUN_FIELDS}}}}}}}"
    )


MODEL_RUN_DATA_ROWS = (
    "query modelRunPyApi($modelRunId: ID!, $from : String, $first: Int){annotationGroups(where: "
    "{modelRunId: {id: $modelRunId}}, after: $from, first: $first){nodes{dataSplit labelId modelRunId id "
    "dataRow{createdAt externalId globalKey mediaAttributes customMetadata { schemaId value } "
    "metadataFields { schemaId name value kind } rowData id updatedAt}},pageInfo{endCursor}}}"
)

EXPORT_MODEL_RUN = (
    "mutation exportDataRowsInModelRunPyApi($input: ExportDataRowsInModelRunInput!)"
    "{exportDataRowsInModelRun(input: $input){taskId isStreamable}}"
)

EXPORT_METADATA_HEADER = (
    "query GetExportMetadataHeaderPyApi($where: WhereUniqueIdInput, $streamType: TaskStreamType!)"
    "{task(where: $where){exportMetadataHeader(streamType: $streamType){totalSize totalLines}}}"
)

EXPORT_FILE_FROM_OFFSET = (
    "query GetExportFileFromOffsetPyApi($where: WhereUniqueIdInput, $streamType: TaskStreamType!, "
    "$offset: UInt64!){task(where: $where){exportFileFromOffset(streamType: $streamType, offset: $offset)"
    "{offsets {start end} lines {start end} file}}}"
)

PAGE_SIZE = 100
