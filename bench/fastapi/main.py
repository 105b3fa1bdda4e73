"""The comparison backend for `npm run bench`: the task API written the common Python way (FastAPI,
SQLModel over psycopg2, PyJWT with the shared HS256 secret, one Uvicorn worker), reading the
same `task` table. Used only to measure Taskbridge's API against it in the same run.

Environment: DATABASE_URL (postgresql://...), BETTER_AUTH_SECRET, ISSUER, AUDIENCE.
"""

import os
import uuid
from datetime import date, datetime, timezone
from typing import List, Optional

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel
from sqlalchemy import Column, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, Session, SQLModel, create_engine, select

engine = create_engine(os.environ["DATABASE_URL"], pool_size=20, max_overflow=0)
SECRET = os.environ["BETTER_AUTH_SECRET"]
ISSUER = os.environ["ISSUER"]
AUDIENCE = os.environ["AUDIENCE"]


class Task(SQLModel, table=True):
    __tablename__ = "task"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: str
    title: str
    description: Optional[str] = None
    completed: bool = False
    priority: str = Field(default="medium", sa_column=Column(String, server_default="medium"))
    due_date: Optional[date] = None
    tags: List[str] = Field(default_factory=list, sa_column=Column(ARRAY(String)))
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    updated_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


class TaskCreate(BaseModel):
    title: str
    description: Optional[str] = None


def get_session():
    with Session(engine) as session:
        yield session


def current_user(authorization: str = Header(...)) -> str:
    if not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="Not authenticated")
    try:
        claims = jwt.decode(authorization[7:], SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="Invalid token")
    return claims["sub"]


app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/api/tasks", response_model=List[Task])
def list_tasks(limit: int = 100, user_id: str = Depends(current_user), session: Session = Depends(get_session)):
    statement = select(Task).where(Task.user_id == user_id).order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    return session.exec(statement).all()


@app.get("/api/tasks/{task_id}", response_model=Task)
def get_task(task_id: uuid.UUID, user_id: str = Depends(current_user), session: Session = Depends(get_session)):
    task = session.exec(select(Task).where(Task.id == task_id, Task.user_id == user_id)).first()
    if not task:
        raise HTTPException(status_code=404, detail="Task not found")
    return task


@app.post("/api/tasks", response_model=Task, status_code=201)
def create_task(body: TaskCreate, user_id: str = Depends(current_user), session: Session = Depends(get_session)):
    task = Task(user_id=user_id, title=body.title, description=body.description, priority="medium", tags=[])
    session.add(task)
    session.commit()
    session.refresh(task)
    return task


@app.post("/api/tasks/{task_id}/toggle", response_model=Task)
def toggle_task(task_id: uuid.UUID, user_id: str = Depends(current_user), session: Session = Depends(get_session)):
    task = session.exec(select(Task).where(Task.id == task_id, Task.user_id == user_id)).first()
    if not task:
        raise HTTPException(status_code=404, detail="Task not found")
    task.completed = not task.completed
    task.updated_at = datetime.now(timezone.utc)
    session.add(task)
    session.commit()
    session.refresh(task)
    return task
