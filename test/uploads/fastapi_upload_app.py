"""A FastAPI model service that takes files: the upstream of Trestle's upload importer test (issue #20).

Run as `python3 fastapi_upload_app.py`: it binds 127.0.0.1 on an ephemeral port, prints `PORT <n>`,
then serves until killed. Written for FastAPI 0.92 (Debian 12's python3-fastapi), which needs
python-multipart for `UploadFile` and `Form`.
"""

import hashlib
import socket
import sys
from typing import List

import uvicorn
from fastapi import FastAPI, File, Form, UploadFile
from pydantic import BaseModel

app = FastAPI(title="Vision Service", version="0.1.0")


class Label(BaseModel):
    label: str
    score: float
    filename: str
    content_type: str
    size: int
    sha256: str


class Token(BaseModel):
    access_token: str
    token_type: str


async def digest(file: UploadFile):
    hash = hashlib.sha256()
    size = 0
    while True:
        chunk = await file.read(65536)
        if not chunk:
            break
        hash.update(chunk)
        size += len(chunk)
    return hash.hexdigest(), size


@app.post("/models/{name}/classify", response_model=List[Label])
async def classify(name: str, file: UploadFile = File(...), top_k: int = Form(3)):
    sha, size = await digest(file)
    return [
        Label(label=f"{name}-{sha[i * 2:i * 2 + 2]}", score=round(1 / (i + 1), 3), filename=file.filename,
              content_type=file.content_type, size=size, sha256=sha)
        for i in range(top_k)
    ]


@app.post("/batch", response_model=List[Label])
async def batch(files: List[UploadFile] = File(...)):
    labels = []
    for file in files:
        sha, size = await digest(file)
        labels.append(Label(label="batch", score=1.0, filename=file.filename, content_type=file.content_type,
                            size=size, sha256=sha))
    return labels


@app.post("/token", response_model=Token)
async def token(username: str = Form(...), password: str = Form(...)):
    return Token(access_token=f"{username}:{len(password)}", token_type="bearer")


if __name__ == "__main__":
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, fd=sock.fileno(), log_level="warning")
    uvicorn.Server(config).run()
    sys.exit(0)
